"""The renewal as a navigation map of steps: pure Python (no Qt, OpenCV, HTTP or SQL).

- `renewal.RenewalFlow(services, journal, lang=, caps=RetryCaps())`: what the Qt wizard, the
  tests and `kiosk walkthrough` drive (`start_self_service`, `start_staff`, `resume`,
  `submit(inputs)`, `back`, `reset`, `abandon`, `current`); every call answers a `StepView`.
- `stages/`: the steps, one module per stage (signin, emails, identity, submit, activation):
  each entry's `next`, `on_error`, inputs, page key, accept/load hooks and presenter.
- `wizard`: the navmap engine (`StepDef`, `Choice`, `Route`; a stack of snapshots).
- `inputs`: `InputSpec`, the typed step contract pages, keyboard and walkthrough read.
- `context`: what hooks share (services, journal, session, counters, the audited call).
- `signals`: errors the flow raises so its navmap says where they lead.
- `views`: the shared part of what steps show, and the named predicates.
- `resume`: where a signed-in holder's renewal stands (backend + journal).
- `graph`: `kiosk flow graph`, the navmap as Graphviz DOT.
- `messages`: every text the holder sees, by message id, with its help code (求助碼).
- `validation`: client-side checks mirroring the server's (R23, R24, 6-digit codes).
- `journal`: the `Journal` Protocol the flow writes to (kiosk/store implements it).
- `redact`: the whitelist through which wizard state reaches a log.
"""
