# The one line sent on stdin to `powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command -`
# (docs/architecture.md, "Remote execution wire format"). harness/remote/scripts.py replaces the two
# placeholders with base64 text only: the UTF-8 script and the UTF-8 parameters JSON. Comment lines
# are dropped; the single non-comment line is the bootstrap.
& ([ScriptBlock]::Create([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('RH_SCRIPT_B64')))) ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('RH_PARAMS_B64')))
