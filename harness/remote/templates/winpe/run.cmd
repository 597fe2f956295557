@echo off
rem restore-harness WinPE automation (rendered by harness/bmr/automation.py; docs/bmr.md).
rem Values come ONLY from params.cmd beside this file (set "RH_...=..." lines); Jinja renders only
rem the step counts below. startnet.cmd runs this script with its output captured in logs\run.log
rem and its exit code in logs\exitcode.txt, then shuts WinPE down.
set "RH_AUTO="
for %%d in (C D E F G H I J K L M N O P Q R S T U V W Y Z) do if exist %%d:\restore-harness\params.cmd set "RH_AUTO=%%d:"
if "%RH_AUTO%"=="" goto noparams
call %RH_AUTO%\restore-harness\params.cmd
set "RH_LOGS=%RH_AUTO%\restore-harness\logs"
if not exist %RH_LOGS% mkdir %RH_LOGS%
echo RH-STEP start >> "%RH_LOGS%\steps.txt"
{% for i in range(1, nic_count + 1) %}
echo === drvload NIC driver {{ i }}
drvload "%RH_AUTO%\restore-harness\%RH_NIC_INF_{{ i }}%"
set "RH_RC=%ERRORLEVEL%"
echo RH-STEP drvload-{{ i }} %RH_RC% >> "%RH_LOGS%\steps.txt"
if %RH_RC% NEQ 0 exit /b 11
{% endfor %}
{% if share %}
echo === net use %RH_TARGET%
net use %RH_TARGET% "%RH_SHARE_PASSWORD%" /user:"%RH_SHARE_USER%"
set "RH_RC=%ERRORLEVEL%"
echo RH-STEP net-use %RH_RC% >> "%RH_LOGS%\steps.txt"
if %RH_RC% NEQ 0 exit /b 12
{% endif %}
echo === wbadmin start sysrecovery %RH_VERSION% %RH_TARGET% %RH_MACHINE%
wbadmin start sysrecovery -version:%RH_VERSION% "-backupTarget:%RH_TARGET%" "-machine:%RH_MACHINE%" -restoreAllVolumes -recreateDisks -quiet
set "RH_RC=%ERRORLEVEL%"
echo RH-STEP wbadmin %RH_RC% >> "%RH_LOGS%\steps.txt"
if %RH_RC% NEQ 0 exit /b 13
set "RH_WINDOWS="
for %%d in (C D E F G H I J K L M N O P Q R S T U V W Y Z) do if exist %%d:\Windows\System32\config\SYSTEM set "RH_WINDOWS=%%d:"
if "%RH_WINDOWS%"=="" goto nowindows
echo RH-STEP windows-volume %RH_WINDOWS% >> "%RH_LOGS%\steps.txt"
{% for i in range(1, driver_count + 1) %}
echo === dism /Add-Driver folder {{ i }}
dism /Image:%RH_WINDOWS%\ /Add-Driver "/Driver:%RH_AUTO%\restore-harness\drivers\{{ i }}" /Recurse{{ " /ForceUnsigned" if force_unsigned else "" }}
set "RH_RC=%ERRORLEVEL%"
echo RH-STEP dism-add-{{ i }} %RH_RC% >> "%RH_LOGS%\steps.txt"
if %RH_RC% NEQ 0 exit /b 14
{% endfor %}
echo === dism /Get-Drivers
dism /Image:%RH_WINDOWS%\ /Get-Drivers > "%RH_LOGS%\drivers.txt"
set "RH_RC=%ERRORLEVEL%"
echo RH-STEP dism-get %RH_RC% >> "%RH_LOGS%\steps.txt"
if %RH_RC% NEQ 0 exit /b 15
echo RH-STEP done 0 >> "%RH_LOGS%\steps.txt"
exit /b 0
:noparams
echo restore-harness: no volume holds restore-harness\params.cmd
exit /b 10
:nowindows
echo restore-harness: wbadmin reported success but no volume holds Windows\System32\config\SYSTEM
echo RH-STEP windows-volume none >> "%RH_LOGS%\steps.txt"
exit /b 16
