"""`bbws rehearse`: the real Terraform of an environment applied to the local emulator, checked
against the code, deployed, released and destroyed (docs/operations.md#the-deploy-rehearsal)."""
