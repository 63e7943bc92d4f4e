"""Issue 10, security review: each finding as a test that fails when it reproduces again."""
