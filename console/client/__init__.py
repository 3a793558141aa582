"""The desk's client side of the centre's server (issue #14).

:mod:`console.client.remote` holds :class:`~console.client.remote.RemoteDeskBackend` (the seam
of ``console.desk_backend`` over ``POST /api/v1/desk/{method}``) and
:class:`~console.client.remote.ServerRoot`, the composition root a desk opens when
``desk.toml`` names a ``server``; :mod:`console.client.push` follows the server's push stream.
No database, no GUI: requests only.
"""
