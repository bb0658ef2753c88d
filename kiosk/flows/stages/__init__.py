"""The renewal's stages, one module each: its steps (navmap entries), accept/load hooks and
the inputs they take. `RenewalFlow` (kiosk/flows/renewal.py) composes them:

- `signin`: the holder's e-ID sign-in, counter staff's sign-in and look-up, and routing
  (where a signed-in holder's renewal stands, kiosk/flows/resume.py).
- `emails`: the pending list and step 1, verifying every email address (R2-R7).
- `identity`: step 2, consent, the ID check and the live photo (R9-R12).
- `submit`: step 3, confirm, declaration, e-ID identification, signing, submission (R13-R16).
- `activation`: step 4, selection, the pre-check, password and phrase, the job (R17-R26).

Each `steps(ctx)` answers {step id: StepDef}; every branch is in those entries (`next`,
`on_error`), never in a hook. What they share is written once: the shapes of step
(`shapes.Stage`: a check, an agreement, a notice, an end) and the Idempotency-Keys of the
calls that must happen exactly once (`once`).
"""
