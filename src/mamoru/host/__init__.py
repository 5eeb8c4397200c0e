"""The container host: CIS Docker §1-3 (host, daemon configuration, file permissions), the host OS
(packages, end of life, unrelated services) and the versions of the container platform components."""
