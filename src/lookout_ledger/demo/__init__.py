"""The demo scenario: an invented operation whose audit reproduces the review's figures."""
