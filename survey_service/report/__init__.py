"""The satisfaction analysis report (满意度调查分析报告): result pages, charts, the printable report and exports."""
