"""The offline plan: run the program under mocks, record, render, diff."""
