# Starts the hallcall server when Windows starts, before anyone logs on (Task Scheduler,
# account SYSTEM, no time limit).  Run once in an elevated PowerShell:
#   powershell -ExecutionPolicy Bypass -File assets\deploy\windows-server-task.ps1
# Stop / start by hand:  Stop-ScheduledTask "hallcall server" / Start-ScheduledTask "hallcall server"
# Task Scheduler does not restart the server if it crashes later; a service wrapper such as
# NSSM does (see docs/deployment.md).
param(
    [string]$Repo = "C:\hallcall",
    [string]$Config = "C:\ProgramData\hallcall\hall.toml",
    [string]$Data = "C:\ProgramData\hallcall\data",
    [int]$Port = 8765
)
$exe = Join-Path $Repo ".venv\Scripts\hallcall.exe"
if (-not (Test-Path $exe)) { throw "no ${exe}: install hallcall in $Repo first" }
$arguments = "server --config `"$Config`" --data `"$Data`" --host 0.0.0.0 --port $Port"
$action = New-ScheduledTaskAction -Execute $exe -Argument $arguments -WorkingDirectory $Repo
$trigger = New-ScheduledTaskTrigger -AtStartup
$principal = New-ScheduledTaskPrincipal -UserId "SYSTEM" -LogonType ServiceAccount -RunLevel Highest
$settings = New-ScheduledTaskSettingsSet -ExecutionTimeLimit ([TimeSpan]::Zero) -StartWhenAvailable `
    -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries -MultipleInstances IgnoreNew
Register-ScheduledTask -TaskName "hallcall server" -Action $action -Trigger $trigger -Principal $principal `
    -Settings $settings -Force | Out-Null
Write-Host "registered task 'hallcall server': $exe $arguments"
