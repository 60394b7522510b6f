"""ESC/POS thermal printers: rendering, status, the driver, a simulator and a decoder."""
