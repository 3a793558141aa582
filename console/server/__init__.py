"""``citydesk server``: the HTTP API that alone holds a centre's database (issue #14).

``app`` builds the FastAPI application; ``auth`` signs in and resolves the caller of every
request from its bearer session; ``cases`` serves the queues, a case, commands and reports;
``push`` is the server-sent event stream; ``errors`` maps refusals to HTTP answers in one
place; ``fields`` says which fields a command takes; ``wire`` shapes the JSON.  It imports the
services and the composition root (:mod:`console.app`), never the GUI.
"""
