"""The Arena Learning data flywheel (import name ``wizardarena.trainers``): SFT / DPO / reward data from
judged battles and the TRL glue. Its issue builds it; importing this package stays free of torch/TRL."""
