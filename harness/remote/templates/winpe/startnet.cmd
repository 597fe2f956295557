@echo off
rem restore-harness startnet.cmd for a WinPE/WinRE image (docs/bmr.md). Copy it over
rem \Windows\System32\startnet.cmd of the mounted boot.wim before MakeWinPEMedia /ISO.
rem It starts WinPE's networking/PnP, looks for the automation disk that restore-harness
rem attached (a volume with \restore-harness\run.cmd), runs that script with its console output
rem in \restore-harness\logs\run.log and its exit code in \restore-harness\logs\exitcode.txt,
rem and shuts the VM down so that the harness sees it turn Off. Without an automation disk it
rem leaves an ordinary WinPE prompt.
wpeinit
set "RH_AUTO="
for %%d in (C D E F G H I J K L M N O P Q R S T U V W Y Z) do if exist %%d:\restore-harness\run.cmd set "RH_AUTO=%%d:"
if "%RH_AUTO%"=="" goto interactive
if not exist %RH_AUTO%\restore-harness\logs mkdir %RH_AUTO%\restore-harness\logs
call %RH_AUTO%\restore-harness\run.cmd > %RH_AUTO%\restore-harness\logs\run.log 2>&1
set "RH_RC=%ERRORLEVEL%"
rem the redirection goes first: 'echo 0> file' would redirect handle 0
> %RH_AUTO%\restore-harness\logs\exitcode.txt echo %RH_RC%
wpeutil shutdown
exit /b 0
:interactive
echo restore-harness: no automation disk (\restore-harness\run.cmd) found; WinPE prompt.
