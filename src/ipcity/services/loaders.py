"""Import formats of the service mechanism, registered with core.imports."""
