"""The command line: the `app` and its console script (`app`), one module per command or group (`train`,
`evaluate`, `predict`, `describe` for inspect and demo), argument checks (`args`), what `inspect` and `train` print
(`show`, `figures`), the seed lessons (`demo`), and the commands of the wings below it:
`twoclass sweep` (`sweep`), `twoclass serve` (`twoclass.serve.command`), `twoclass playground`
(`twoclass.web.command`). Each of those imports its wing's library only when it runs.
"""

from twoclass.cli.app import app, main
from twoclass.cli.export import export
from twoclass.cli.sweep import sweep
from twoclass.serve.command import serve
from twoclass.web.command import playground

app.command("sweep")(sweep)
app.command("serve")(serve)
app.command("playground")(playground)
app.command("export")(export)

__all__ = ["app", "main"]
