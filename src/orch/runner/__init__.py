"""The runner: select -> execute -> verify -> record -> emit. It never prints."""
