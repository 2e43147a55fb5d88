"""The clerk's counter program (窗口叫号): sign in, call, serve, transfer, pause — see docs/counter.md."""
