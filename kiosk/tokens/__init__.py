"""PKCS#11 tokens: the holder's token at the counter desk (R32)."""
