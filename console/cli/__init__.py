"""The ``citydesk`` command line, one module per group of subcommands.

:mod:`console.cli.main` is the entry point (``citydesk`` = ``console.cli.main:main``);
:mod:`console.cli.common` holds what the subcommands share. Subcommand modules never import
the entry module, which imports them.
"""
