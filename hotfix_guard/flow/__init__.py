"""The hotfix flow: `start`, `finish` and `rollback`. Preconditions first, then change,
and on any failure every ref and the work tree put back as they were."""
