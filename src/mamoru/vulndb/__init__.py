"""The vulnerability database: advisory feeds imported into one local store that scans read offline.

* ``model`` — advisories and affected entries, normalised across feeds;
* ``importers/`` — one module per feed format (OSV, Alpine secdb, Debian tracker, Red Hat CSAF);
* ``store`` — the SQLite store (every SQL statement; portable to PostgreSQL);
* ``build`` — imports into a private copy swapped in atomically;
* ``feeds``, ``download``, ``update`` — the default public feeds, resumable verified downloads, mirrors;
* ``namespaces``, ``severity`` — ecosystem names and severity mapping.
"""
