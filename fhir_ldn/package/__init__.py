"""The knowledge package: load resources/ and profiles/, check them, and build distributable artifacts."""
