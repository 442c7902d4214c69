"""The risk app's use cases: assess, edit rules, decide holds, declare
invoice totals, backtest."""
