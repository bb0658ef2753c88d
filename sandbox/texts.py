# ruff: noqa: E501  (the seed's texts are kept verbatim, one paragraph a line)
"""The registry's own texts, from the user guide (../shared/seed): emails and the declaration.

Kept verbatim, with three documented repairs of the seed's transcription: the truncated
Portuguese halves of two subjects are completed ("Aviso sobre renovação de certificados"),
"結 閣下沒有提交" reads "若 閣下沒有提交" (an OCR slip), and the fax number is 82995511
everywhere (the first email of the seed says 82995515; SPEC R27 fixes 82995511).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

TELEPHONE = "28330338"
FAX = "82995511"
ENQUIRY = "enquiry@esigntrust.com"

CONTACT_LINE = (
    f"如有垂詢，歡迎與我們聯絡（註冊電話：{TELEPHONE}，傳真：{FAX}，電郵：{ENQUIRY}）。"
)

SIGN_OFF = (
    "多謝選擇我們的服務。\n\n"
    "本郵件由系統自動發送，請勿直接回覆。如有需要，請通過其他方式聯繫。\n\n"
    "謝謝！\n\n"
    "郵電局\n電子業務廳\n電子認證服務處註冊署 謹啟"
)

SUBJECTS = {
    "renewal_due": (
        "eSignTrust 電子證書服務（機構）- 《機構電子證書待續期》通知事宜 "
        "Aviso sobre renovação de certificados"
    ),
    "email_code": (
        "eSignTrust 電子證書服務 (機構) - 電子證書申請 / 用戶電郵地址之《電郵驗證》通知事宜 "
        'Aviso sobre "autenticação por e-mail"'
    ),
    "reauth_needed": (
        "eSignTrust 電子證書服務（機構）- 機構用戶電子證書續期《需重新認證進行身份鑑別》通知事宜 "
        "Aviso sobre renovação de certificados"
    ),
    "renewal_completed": (
        "eSignTrust 電子證書服務 (機構) - 機構用戶電子證書續期 (已完成申請及激活) 通知事宜 "
        "Aviso sobre renovação de certificados"
    ),
}

TYPE_NAMES = {
    "cloud": "商業機構“雲簽”帳戶",
    "qualified": "商業機構合格證書",
    "standard": "標準證書",
    "encryption": "加密證書(商業機構)",
}

# R14: the applicant/subscriber declaration, six points, seed step 14.
DECLARATION: tuple[str, ...] = (
    "本人確認上述提交之所有資料真實及正確。",
    "本人在此以上述身份證明文件之申請人姓名向澳門郵電電子認證服務（“eSignTrust”）申請簽發指示的電子證書。",
    "鑒於 eSignTrust 處理本人之申請，本人知悉及明確同意將上述申請之證書及私人密碼委託澳門郵電電子認證服務"
    "負責使用安全設備儲存及保管。同時，承認已明白並同意接受及遵守 電子認證“雲簽”服務（簽署服務）以及 "
    "電子證書登記人協議（包括認證作業準則）的使用規則及條款。",
    "本人知悉證書一經發出後，其內容在證書有效期內不能更改；否則，任何改動須撤銷原有的電子證書，"
    "再重新申請新的電子證書。本人同意所示之證書續期資料，將會顯示於電子證書上並發佈於澳門郵電電子認證服務"
    "的資料庫中，資料庫的資料將會被公眾取得及於澳門特別行政區以外使用。",
    "本人在此授權電子認證服務，使用證書續期資料欄所示之個人資料，通告電子認證“雲簽”之應用服務供應方，"
    "以用於所申請之有關服務，但不妨礙隨時提出相反意願之權利。",
    "本人知悉有關存取及使用由應用服務供應方提供所申請之服務，需受相關規則及條款規範。",
)


@dataclass(frozen=True)
class CertRow:
    type: str
    email: str
    serial: str
    expiry: date
    new_serial: str | None = None
    new_expiry: date | None = None


def _d(d: date) -> str:
    # The guide's email tables write dates as DD/MM/YYYY.
    return d.strftime("%d/%m/%Y")


def renewal_due(name: str) -> tuple[str, str]:
    body = f"""尊敬的 {name} 君：

謹通知，閣下使用之電子證書已獲 貴機構確認續期，現即將於 30 日內到期失效。請於有效期屆滿前完成申請程序，以繼續使用有效之電子證書。

電子證書續期可透過以下任一方式辦理：

1) 線上辦理（適合“雲簽”用戶）

（閣下須是 貴機構之實體帳戶工作人員，並已在商社通 APP 開通“電子身份識別工具”啟動使用“非常高級”）

一操作程序：進入電子證書服務（機構）平台，按指示進行證書申請程序。閣下可選擇以下任登入方式：

1.1) 登入“商社通”網站或手機 App，並於“服務”頁面點選“部門”->“郵電局”->“電子證書服務（機構）- 證書續期”；或

1.2) 瀏覽 eSignTrust 網站，點選“網上服務”下拉目錄“電子證書服務（機構）”，以“商社通”帳戶登入。

一操作指引：請查閱 eSignTrust 網站，點選“支援及下載”->“操作指引”->“電子證書服務（機構）- 用戶使用指引”

2) 線下辦理（適合非“雲簽”用戶，包括“合格證書”、“標準證書”及“加密證書”之用戶）

2.1) 根據 貴機構安排於指定證書登記日期親臨辦理續期事宜。具體時間請與 貴機構負責電子證書申請事宜之聯絡人員溝通；或

2.2) 透過“一戶通”預約櫃檯服務，預約親臨辦理電子證書服務的時間。成功預約後請注意查收由 eSignTrust 發出之驗證電郵，並按指引完成電郵地址驗證程序。

{CONTACT_LINE}

{SIGN_OFF}
"""
    return SUBJECTS["renewal_due"], body


def email_code(name: str, code: str) -> tuple[str, str]:
    body = f"""尊敬的 {name} 君：

郵電局電子認證審核 閣下的電子證書的申請 / 使用的電郵地址。

請於限時內在《電子證書服務 (機構)》之電郵地址驗證頁面，輸入以下驗證碼，以完成電郵驗證程序。

驗證碼：{code}

倘出現超時或連線中斷等情況造成電郵地址驗證頁面無效，請透過以下渠道，進入《電子證書服務 (機構)》平台登入系統，按指示重新開始證書申請程序：

eSignTrust 網站：
- 瀏覽至 eSignTrust 網站，點選“網上服務”下拉目錄“電子證書服務 (機構)”，進入平台登入系統。

若 閣下沒有提交證書申請，無需理會本電郵。

{CONTACT_LINE}

{SIGN_OFF}
"""
    return SUBJECTS["email_code"], body


def reauth_needed(name: str, rows: list[CertRow]) -> tuple[str, str]:
    table = "\n".join(
        ["證書類型\t證書電郵地址\t證書序號\t證書到期日"]
        + [f"{TYPE_NAMES[r.type]}\t{r.email}\t{r.serial}\t{_d(r.expiry)}" for r in rows]
    )
    body = f"""尊敬的 {name} 君：

謹通知，閣下於《電子證書服務（機構）》系統就下列電子證書進行證書激活時，系統檢測到閣下之最新個人身份證資料有變或已失效而無法繼續完成證書激活程序：

{table}

請透過以下任一方式，重新認證：

1) 線上辦理
閣下須是 貴機構之實體帳戶工作人員，並已在商社通 APP 開通“電子身份識別工具”啟動使用（非常高級）
- 瀏覽至 eSignTrust 網站，點選“網上服務”下拉目錄“電子證書服務（機構）”，進入平台登入系統，按指示進行證書申請程序；或
2) 預約辦理線下證書激活（請透過以下任一方式）
2.1) 根據 貴機構安排於指定證書登記日期親臨辦理續期事宜。具體時間請與 貴機構負責電子證書申請事宜之聯絡人員溝通；或
2.2) 透過“一戶通”預約櫃檯服務，預約親臨辦理電子證書服務的時間。

如有查詢，歡迎與我們聯絡（註冊電話：{TELEPHONE}，傳真：{FAX}，電郵：{ENQUIRY}）。

{SIGN_OFF}
"""
    return SUBJECTS["reauth_needed"], body


def renewal_completed(name: str, rows: list[CertRow]) -> tuple[str, str]:
    table = "\n".join(
        ["證書類型\t證書電郵地址\t原證書序號\t原證書到期日\t新證書序號\t新證書到期日"]
        + [
            f"{TYPE_NAMES[r.type]}\t{r.email}\t{r.serial}\t{_d(r.expiry)}\t"
            f"{r.new_serial}\t{_d(r.new_expiry) if r.new_expiry else ''}"
            for r in rows
        ]
    )
    body = f"""尊敬的 {name} 君：

謹通知，閣下之電子證書已順利完成續期程序。以下為有關證書之詳細資訊：

{table}

如需要，請透過以下渠道，線上查閱已確認待續期之證書：
eSignTrust 網站：
- 瀏覽至 eSignTrust 網站，點選“網上服務”下拉目錄“電子證書服務 (機構)”，進入平台登入系統。

{CONTACT_LINE}

多謝選擇我們的服務。

本郵件由系統自動發送，請勿直接回覆。如有需要，請通過其他方式聯繫。

謝謝！

郵電局
電子業務廳
電子認證服務處註冊專員 謹啟
"""
    return SUBJECTS["renewal_completed"], body


def sms_code(code: str, purpose: str) -> str:
    what = "登入自助服務機" if purpose == "login" else "確認電子證書續期申請"
    return f"【商社通】電子身份識別一次性密碼：{code}（用於{what}，5分鐘內有效）。切勿向他人透露。"
