"""OS analyzers: release files and the dpkg, apk and rpm package databases."""
