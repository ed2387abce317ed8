def test_a_certificate_withdrawn_later_still_counts_as_valid_on_earlier_days(uworld):
    """A past year's figure must not move when the certificate is withdrawn afterwards."""
    from datetime import date

    from ipcity.utilization import certificates
    from ipcity.utilization.choices import CertificateStatus
    from ipcity.utilization.models import Certificate

    cert = Certificate.objects.create(
        organization=uworld.enterprise_a,
        standard_version="2023",
        number="WITHDRAWN-LATER-1",
        body_name="示例认证机构",
        issue_date=date(2024, 3, 1),
        expiry_date=date(2027, 2, 28),
        status=CertificateStatus.WITHDRAWN,
        status_date=date(2025, 6, 1),
    )
    eds = certificates.editions()
    valid_end_2024 = Certificate.objects.filter(certificates.valid_q(date(2024, 12, 31)))
    valid_end_2025 = Certificate.objects.filter(certificates.valid_q(date(2025, 12, 31)))
    assert list(valid_end_2024) == [cert]
    assert not valid_end_2025.exists()
    assert certificates.is_valid_on(cert, date(2024, 12, 31), eds)
    assert not certificates.is_valid_on(cert, date(2025, 6, 2), eds)
