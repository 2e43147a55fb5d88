# Backs up the hall's database every hour from 07:00 to 20:00 (Task Scheduler, account SYSTEM,
# like the server).  Run once in an elevated PowerShell:
#   powershell -ExecutionPolicy Bypass -File assets\deploy\windows-backup-task.ps1 -Folder D:\hallcall-backup
param(
    [string]$Repo = "C:\hallcall",
    [string]$Database = "C:\ProgramData\hallcall\data\hall.sqlite3",
    [string]$Folder = "D:\hallcall-backup",
    [int]$Keep = 150
)
$python = Join-Path $Repo ".venv\Scripts\python.exe"
$script = Join-Path $Repo "assets\deploy\hallcall-backup.py"
$action = New-ScheduledTaskAction -Execute $python `
    -Argument "`"$script`" `"$Database`" `"$Folder`" --keep $Keep" -WorkingDirectory $Repo
$trigger = New-ScheduledTaskTrigger -Daily -At "07:00"
$hourly = New-ScheduledTaskTrigger -Once -At "07:00" -RepetitionInterval (New-TimeSpan -Hours 1) `
    -RepetitionDuration (New-TimeSpan -Hours 13)
$trigger.Repetition = $hourly.Repetition
$principal = New-ScheduledTaskPrincipal -UserId "SYSTEM" -LogonType ServiceAccount -RunLevel Highest
$settings = New-ScheduledTaskSettingsSet -StartWhenAvailable -ExecutionTimeLimit (New-TimeSpan -Minutes 30)
Register-ScheduledTask -TaskName "hallcall backup" -Action $action -Trigger $trigger -Principal $principal `
    -Settings $settings -Force | Out-Null
Write-Host "registered task 'hallcall backup': $Database -> $Folder, hourly 07:00-20:00"
