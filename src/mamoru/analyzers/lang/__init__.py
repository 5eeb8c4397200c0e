"""Language ecosystem analyzers: packages installed by pip, npm, Maven, Go, Cargo …"""
