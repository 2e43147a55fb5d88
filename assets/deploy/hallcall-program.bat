@echo off
rem Runs one hallcall program and starts it again whenever it ends (a crash, Alt+F4).
rem   hallcall-program.bat kiosk --server ws://192.168.1.10:8765 --token KIOSK-TOKEN --printer serial:COM3:9600
rem   hallcall-program.bat display --server ws://192.168.1.10:8765 --token DISPLAY-TOKEN
rem Used by windows-logon-task.ps1; a shortcut to it in the Startup folder (Win+R, shell:startup)
rem works too.  Leave its console window open: closing it ends the program.
setlocal
set "HALLCALL=%~dp0..\..\.venv\Scripts\hallcall.exe"
:again
"%HALLCALL%" %*
rem wait 5 seconds (ping: timeout.exe fails when it has no console input)
ping -n 6 127.0.0.1 >nul
goto again
