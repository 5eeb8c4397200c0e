"""Secret detection: token formats, private keys, credential files and generic password assignments."""
