"""Target profiles shipped with the suite: `sandbox.yaml`, the embedded sandbox (the default target)."""
