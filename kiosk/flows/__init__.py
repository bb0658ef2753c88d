"""The renewal as a navigation map of steps: pure Python (no Qt, OpenCV, HTTP or SQL).

- `renewal.RenewalFlow(services, journal, lang=, caps=RetryCaps())`: what the Qt wizard, the
  tests and `kiosk walkthrough` drive (`start_self_service`, `start_staff`,
  `start_with_holder`/`resume`, `submit(inputs)`, `back`, `reset`, `abandon`, `current`);
  every call answers a `StepView`.
- `wizard`: the navmap engine (step id -> next / accept / load / present / last; a stack of
  snapshots).
- `views`: what each step shows (its `present` hook: view model and messages) and the named
  predicates the navmap branches on.
- `resume`: where a signed-in holder's renewal stands (backend + journal), for resuming.
- `messages`: every text the holder sees, by message id, with its help code (求助碼).
- `validation`: client-side checks mirroring the server's (R23, R24, 6-digit codes).
- `journal`: the `Journal` Protocol the flow writes to (kiosk/store implements it).
- `redact`: the whitelist through which wizard state reaches a log.
"""
