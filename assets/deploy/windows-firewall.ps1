# Lets the hall's PCs reach the hallcall server: one inbound TCP port (websockets and HTTP),
# from the local network only.  Run once, elevated, on the server PC:
#   powershell -ExecutionPolicy Bypass -File assets\deploy\windows-firewall.ps1
# The same with netsh:
#   netsh advfirewall firewall add rule name="hallcall server" dir=in action=allow protocol=TCP localport=8765 remoteip=localsubnet profile=domain,private
# The rule covers the Domain and Private network profiles: set the hall network to Private
# (Settings > Network > Properties), or add Public to -Profile.
param([int]$Port = 8765)
New-NetFirewallRule -DisplayName "hallcall server" -Direction Inbound -Protocol TCP -LocalPort $Port `
    -RemoteAddress LocalSubnet -Profile Domain, Private -Action Allow | Out-Null
Write-Host "inbound TCP $Port allowed from the local subnet"
