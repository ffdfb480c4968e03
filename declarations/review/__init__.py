"""Review of received dossiers by the office (xử lý hồ sơ): the receiving queue, decisions
and result notices, the office dashboard, post dispatch and the directors' report."""
