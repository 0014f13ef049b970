"""Where data comes from: BLE wire formats, device profiles, collector, emulators, importers."""
