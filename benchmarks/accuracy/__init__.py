"""Accuracy benchmark (issue 6, section 2): twoclass defaults against the models a practitioner would pick instead."""
