"""Running containers: CIS Docker §5 checks on what the Docker Engine reports, secrets in the environment,
processes, drift of the writable layer, and the containers' images through the image pipeline."""
