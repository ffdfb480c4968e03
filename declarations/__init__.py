"""Employers (đơn vị) and their e-transaction dossiers: registration, certificates, the
signed-XML intake pipeline, procedures, receipts, review queues and notices."""
