"""Employers (đơn vị), registration (04/ĐK-IVAN), certificates, trial credentials, the"""
