"""Taking records in: chat and mail exports read and stored all or nothing, notes of calls and meetings,
and the original files kept sealed."""
