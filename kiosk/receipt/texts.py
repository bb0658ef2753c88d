"""Every text printed on a receipt, and the receipt layer's help codes, in one table.

Kept apart from the UI catalog on purpose, so the move of all texts to gettext .po files
(resources/) can take this table whole. Certificate type names reuse the UI's catalog.
"""

from __future__ import annotations

from kiosk.receipt.model import CertOutcome, Outcome
from kiosk.ui.texts import tr as ui_tr

_T: dict[str, dict[str, str]] = {
    "title": {
        "zh-Hant": "電子證書續期收據",
        "pt": "Recibo de renovação de certificados electrónicos",
        "en": "Digital certificate renewal receipt",
    },
    f"outcome.{Outcome.ACTIVATED}": {
        "zh-Hant": "證書已成功激活",
        "pt": "Certificados activados com sucesso",
        "en": "Certificates activated",
    },
    f"outcome.{Outcome.PARTLY}": {
        "zh-Hant": "部分證書已激活，其餘證書須線下辦理",
        "pt": "Parte dos certificados activada; os restantes são tratados presencialmente",
        "en": "Some certificates activated; the others are completed in person",
    },
    f"outcome.{Outcome.OFFLINE}": {
        "zh-Hant": "已完成線上遞交，證書簽發須線下辦理",
        "pt": "Pedido submetido online; a emissão é feita presencialmente",
        "en": "Application submitted online; issuance is completed in person",
    },
    f"outcome.{Outcome.REFUSED}": {
        "zh-Hant": "證書續期未能完成",
        "pt": "A renovação não pôde ser concluída",
        "en": "The renewal could not be completed",
    },
    f"outcome.{Outcome.STAFF}": {
        "zh-Hant": "已轉交櫃檯職員處理",
        "pt": "Entregue ao funcionário do balcão",
        "en": "Handed over to counter staff",
    },
    f"cert.{CertOutcome.ACTIVATED}": {"zh-Hant": "成功激活", "pt": "Activado", "en": "Activated"},
    f"cert.{CertOutcome.OFFLINE}": {
        "zh-Hant": "待線下辦理",
        "pt": "A tratar presencialmente",
        "en": "To be completed in person",
    },
    f"cert.{CertOutcome.NOT_RENEWED}": {
        "zh-Hant": "未續期", "pt": "Não renovado", "en": "Not renewed",
    },
    f"cert.{CertOutcome.STAFF}": {
        "zh-Hant": "由櫃檯職員處理",
        "pt": "Com o funcionário do balcão",
        "en": "With counter staff",
    },
    f"next.{Outcome.ACTIVATED}": {
        "zh-Hant": "新證書已可使用。確認電郵《已完成申請及激活》已發送至台端之電郵地址。",
        "pt": "Os novos certificados já podem ser usados. O e-mail de confirmação foi enviado.",
        "en": "The new certificates are ready to use. A confirmation email has been sent.",
    },
    f"next.{Outcome.PARTLY}": {
        "zh-Hant": "非“雲簽”證書須於櫃檯辦理：請聯繫eSignTrust預約，並出示本收據之參考編號。",
        "pt": "Os certificados não \"nuvem\" são emitidos no balcão: marque atendimento com a "
        "eSignTrust e indique a referência deste recibo.",
        "en": "Non-cloud-sign certificates are issued at the counter: book an appointment with "
        "eSignTrust and quote this receipt's reference.",
    },
    f"next.{Outcome.STAFF}": {
        "zh-Hant": "櫃檯職員將繼續辦理，請出示本收據之參考編號。",
        "pt": "O funcionário do balcão continua o processo: indique a referência deste recibo.",
        "en": "Counter staff will continue: quote this receipt's reference.",
    },
    f"next.{Outcome.REFUSED}": {
        "zh-Hant": "請按求助碼之說明處理，或聯繫eSignTrust協助，並出示本收據之參考編號。",
        "pt": "Siga as indicações do código de ajuda ou contacte a eSignTrust, indicando a "
        "referência deste recibo.",
        "en": "Follow the help code's advice or contact eSignTrust, quoting this receipt's "
        "reference.",
    },
    "label.reference": {"zh-Hant": "參考編號", "pt": "Referência", "en": "Reference"},
    "label.time": {"zh-Hant": "日期及時間", "pt": "Data e hora", "en": "Date and time"},
    "label.kiosk": {"zh-Hant": "服務終端", "pt": "Terminal", "en": "Kiosk"},
    "label.holder": {"zh-Hant": "證書持有人", "pt": "Titular", "en": "Holder"},
    "label.id_number": {
        "zh-Hant": "身份證明文件號碼", "pt": "N.º do documento", "en": "ID number",
    },
    "label.old": {
        "zh-Hant": "原證書序號及到期日", "pt": "Série e validade anteriores",
        "en": "Old serial and expiry",
    },
    "label.new": {
        "zh-Hant": "新證書序號及到期日", "pt": "Nova série e validade",
        "en": "New serial and expiry",
    },
    "label.help_code": {"zh-Hant": "求助碼", "pt": "Código de ajuda", "en": "Help code"},
    "label.next": {"zh-Hant": "後續步驟", "pt": "Próximos passos", "en": "What to do next"},
    "label.contacts": {"zh-Hant": "聯絡資料", "pt": "Contactos", "en": "Contacts"},
    "label.telephone": {"zh-Hant": "電話", "pt": "Telefone", "en": "Telephone"},
    "label.fax": {"zh-Hant": "傳真", "pt": "Fax", "en": "Fax"},
    "label.email": {"zh-Hant": "電郵", "pt": "E-mail", "en": "Email"},
    "label.seal": {
        "zh-Hant": "電子封印：掃描二維碼，以 eSignTrust 公佈之證書核實本收據。",
        "pt": "Selo digital: leia o código QR para verificar este recibo com os certificados "
        "publicados pela eSignTrust.",
        "en": "Digital seal: scan the QR code to verify this receipt with the certificates "
        "eSignTrust publishes.",
    },
}

# Help codes the receipt layer raises (the AC-KI range of kiosk/services/errors.py).
PRINTER_MISSING = "AC-KI-0301"
PRINTER_OFFLINE = "AC-KI-0302"
PRINTER_NO_PAPER = "AC-KI-0303"
PRINT_FAILED = "AC-KI-0304"
NOT_ENROLLED = "AC-KI-0305"
KEYRING_UNAVAILABLE = "AC-KI-0306"

_REPRINT = {
    "zh-Hant": "收據未能列印，請向櫃檯職員索取補印（收據已交 eSignTrust 保存）。",
    "pt": "Não foi possível imprimir o recibo. Peça uma reimpressão no balcão "
    "(o recibo ficou guardado na eSignTrust).",
    "en": "The receipt could not be printed. Please ask at the counter for a reprint "
    "(eSignTrust keeps a copy).",
}

HELP_CODE_TEXTS: dict[str, dict[str, dict[str, str]]] = {
    PRINTER_MISSING: {
        "title": {"zh-Hant": "找不到收據打印機", "pt": "Impressora inexistente",
                  "en": "Receipt printer not found"},
        "message": _REPRINT,
    },
    PRINTER_OFFLINE: {
        "title": {"zh-Hant": "收據打印機離線", "pt": "Impressora desligada",
                  "en": "Receipt printer offline"},
        "message": _REPRINT,
    },
    PRINTER_NO_PAPER: {
        "title": {"zh-Hant": "收據打印機缺紙", "pt": "Impressora sem papel",
                  "en": "Receipt printer out of paper"},
        "message": _REPRINT,
    },
    PRINT_FAILED: {
        "title": {"zh-Hant": "列印失敗", "pt": "Falha na impressão", "en": "Printing failed"},
        "message": _REPRINT,
    },
    NOT_ENROLLED: {
        "title": {"zh-Hant": "服務終端未登記", "pt": "Terminal não registado",
                  "en": "Kiosk not enrolled"},
        "message": {
            "zh-Hant": "本服務終端暫未能簽發收據，收據將由櫃檯提供。",
            "pt": "Este terminal não pode emitir recibos; o recibo é entregue no balcão.",
            "en": "This kiosk cannot issue receipts yet; the counter will give you yours.",
        },
    },
    KEYRING_UNAVAILABLE: {
        "title": {"zh-Hant": "無法讀取終端密鑰", "pt": "Chave do terminal inacessível",
                  "en": "Kiosk key unavailable"},
        "message": {
            "zh-Hant": "本服務終端暫未能簽發收據，收據將由櫃檯提供。",
            "pt": "Este terminal não pode emitir recibos; o recibo é entregue no balcão.",
            "en": "This kiosk cannot issue receipts yet; the counter will give you yours.",
        },
    },
}


def tr(key: str, lang: str) -> str:
    entry = _T[key]
    return entry.get(lang) or entry["zh-Hant"]


def next_step_key(outcome: Outcome) -> str | None:
    """OFFLINE's next step is AC-AB-0007's own message (SPEC R19), printed with its code."""
    key = f"next.{outcome}"
    return key if key in _T else None


def cert_type(kind: str, lang: str) -> str:
    return ui_tr(f"type.{kind}", lang)


def help_message(code: str, lang: str) -> str:
    entry = HELP_CODE_TEXTS[code]["message"]
    return entry.get(lang) or entry["zh-Hant"]


# SPEC R19, verbatim, and its pt/en from the sandbox's help-code table (docs/help-codes.md).
OFFLINE_NOTICE = {
    "zh-Hant": "已完成線上遞交非“雲簽”證書申請，後續證書簽發事宜須線下進行。請聯繫eSignTrust"
    "預約線下辦理。(求助碼：AC-AB-0007)",
    "pt": "O pedido dos certificados não \"nuvem\" foi submetido online; a emissão é feita "
    "presencialmente. Contacte a eSignTrust para marcar atendimento. (Código de ajuda: "
    "AC-AB-0007)",
    "en": "The application for your non-cloud-sign certificates has been submitted online; "
    "issuance must be completed in person. Please contact eSignTrust for an appointment. "
    "(Help code: AC-AB-0007)",
}
