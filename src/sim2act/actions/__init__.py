"""Action spaces and batched action distributions: what every proposer, policy and dataset shares."""
