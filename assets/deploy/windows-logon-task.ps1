# Starts a hallcall program when a user logs on (Task Scheduler, in that user's session).
# Run once in an elevated PowerShell, e.g. for the kiosk account "kiosk":
#   powershell -ExecutionPolicy Bypass -File assets\deploy\windows-logon-task.ps1 -Program kiosk `
#       -User kiosk -Arguments "--server ws://192.168.1.10:8765 --token KIOSK-TOKEN --printer serial:COM3:9600"
# A kiosk or display runs through hallcall-program.bat, which starts it again whenever it ends;
# a counter program is started once (a clerk may close it).
param(
    [Parameter(Mandatory = $true)][ValidateSet("kiosk", "display", "counter")][string]$Program,
    [Parameter(Mandatory = $true)][string]$Arguments,
    [string]$User = "$env:USERDOMAIN\$env:USERNAME",
    [string]$Repo = "C:\hallcall"
)
$exe = Join-Path $Repo ".venv\Scripts\hallcall.exe"
if (-not (Test-Path $exe)) { throw "no ${exe}: install hallcall in $Repo first" }
if ($Program -eq "counter") {
    $action = New-ScheduledTaskAction -Execute $exe -Argument "counter $Arguments" -WorkingDirectory $Repo
} else {
    $bat = Join-Path $Repo "assets\deploy\hallcall-program.bat"
    $action = New-ScheduledTaskAction -Execute "cmd.exe" -Argument "/c `"`"$bat`" $Program $Arguments`"" `
        -WorkingDirectory $Repo
}
$trigger = New-ScheduledTaskTrigger -AtLogOn -User $User
$principal = New-ScheduledTaskPrincipal -UserId $User -LogonType Interactive -RunLevel Limited
$settings = New-ScheduledTaskSettingsSet -ExecutionTimeLimit ([TimeSpan]::Zero) -AllowStartIfOnBatteries `
    -DontStopIfGoingOnBatteries -MultipleInstances IgnoreNew
Register-ScheduledTask -TaskName "hallcall $Program" -Action $action -Trigger $trigger -Principal $principal `
    -Settings $settings -Force | Out-Null
Write-Host "registered task 'hallcall $Program' for $User"
