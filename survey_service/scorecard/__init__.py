"""The scorecard feature: scoring the indicator tree that the satisfaction figure feeds."""
