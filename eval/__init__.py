"""Evaluation sets and the scripts that check, split, train and calibrate on them."""
