"""Sweep benchmark: a 32-member grid in one vmapped program against the same members fitted one after another."""
