from crm_backend.admin.masking import MAX_TEXT, mask_personal_data


def test_emails_phones_and_order_numbers_are_masked():
    text = "I'm alice@example.com, call +44 7700 900123 about order A1001"
    masked = mask_personal_data(text)
    assert "alice@" not in masked and "a****@example.com" in masked
    assert "7700 900" not in masked and "***123" in masked
    assert "A1001" not in masked and "A****" in masked
    assert masked.startswith("I'm ")


def test_chinese_text_without_word_boundaries():
    masked = mask_personal_data("订单A1002还没到，电话13800138000，邮箱wangfang@example.cn")
    assert "A1002" not in masked and "13800138000" not in masked
    assert "wangfang" not in masked
    assert masked.startswith("订单A****还没到")


def test_plain_text_is_unchanged_and_huge_text_is_clipped():
    assert mask_personal_data("where is my parcel?") == "where is my parcel?"
    assert mask_personal_data("") == ""
    assert len(mask_personal_data("x" * (MAX_TEXT * 3))) == MAX_TEXT


def test_placeholder_spans_point_at_the_masked_parts():
    from crm_backend.admin.masking import mask_with_spans

    masked, spans = mask_with_spans("mail alice@example.com re A1001, or call +44 7700 900123")
    assert masked == mask_personal_data("mail alice@example.com re A1001, or call +44 7700 900123")
    parts = [masked[start:end] for start, end in spans]
    assert parts[0] == "a****@example.com" and parts[1] == "A****"
    assert parts[2].endswith("123") and "*" in parts[2]
    assert mask_with_spans("plain text") == ("plain text", ())
    zh, zh_spans = mask_with_spans("订单A1002还没到")
    assert [zh[s:e] for s, e in zh_spans] == ["A****"]
