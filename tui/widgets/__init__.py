"""The reusable widgets of the vardia app: queue, header, timer bar, panels."""
