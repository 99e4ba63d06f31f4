"""Does a plaintext byte reach a disk, or an address a log, behind Debian's nginx? (issue 14,
findings 6 and 10)

    uv run python -m haven.testing.nginx_disk                  # deploy/nginx-haven.conf
    uv run python -m haven.testing.nginx_disk --compare-before # and the configuration before

A throwaway installation (SQLite) served by the real WSGI app under gunicorn on loopback, behind
Debian's nginx running `deploy/nginx-haven.conf` (ports, paths and certificate swapped for local
ones; the surrounding nginx.conf keeps Debian's own main error log and http-level access log).
Through nginx, a person sends an 8 MB PDF with the portal form (twice: with a Content-Length,
and chunked), a documentation officer signs in
over TLS, adds a 17 MB evidence file and downloads it decrypted. Each file repeats a marker that
appears nowhere else. Each transfer is held half-way for a moment (the upload before its last
KB, the download after its headers), which is exactly when nginx would spool it to
client_body_temp or proxy_temp; meanwhile every file that nginx and gunicorn hold open under
the watched folders is read (a temporary file is unlinked at once but stays readable through
/proc/PID/fd). Django's temporary upload files are copied by an audit hook just before they are
deleted (haven.testing.observed_wsgi). Afterwards nginx's temporary folders, the TMPDIR of both
servers, those copies and the data dir are read whole, looking for the marker, and nginx's logs
for "127.0.0.1" (the address every request here comes from). A few requests nginx answers with
an error (a missing static file, a body over the limit) make sure its error log has something
to say.

Prints one JSON object: per phase, what was found where, and whether each transfer worked.

One module per step: `harness` (what is sent and looked for, the processes), `installation`,
`nginx`, `watch` (open files), `transfers` (the requests) and `phase` (one configuration, and
the command line, run by `__main__`).
"""

from haven.testing.nginx_disk.phase import main, run_phase

__all__ = ["main", "run_phase"]
