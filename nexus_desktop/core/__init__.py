"""Qt-free core: library, rendering, index, search and user data."""
