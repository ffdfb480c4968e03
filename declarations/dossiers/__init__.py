"""Dossiers (hồ sơ), their files, notices and events, incidents and paper dossiers, and"""
