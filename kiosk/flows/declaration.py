"""R14: Portuguese and English translations of the applicant / subscriber declaration.

The six points are legal text. The registry sends them in Chinese (seed, step 14), and the
Chinese text is the one the holder agrees to: on pt/en pages each point is shown in Chinese
with its translation under it, and one line says that the Chinese text is binding.

A translation is looked up by the exact Chinese text of its point: if the registry ever
changes a point, that point is shown without a translation rather than with the
translation of a text it no longer says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from kiosk.flows.messages import Text

# Chinese point (verbatim, seed step 14) -> its pt and en translations.
TRANSLATIONS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "本人確認上述提交之所有資料真實及正確。": {
            "pt": "Confirmo que todos os dados acima apresentados são verdadeiros e correctos.",
            "en": "I confirm that all the information submitted above is true and correct.",
        },
        "本人在此以上述身份證明文件之申請人姓名向澳門郵電電子認證服務（“eSignTrust”）"
        "申請簽發指示的電子證書。": {
            "pt": "Venho, pelo presente, em nome do requerente que consta do documento de "
            "identificação acima, requerer aos Serviços de Certificação Electrónica dos "
            "Correios e Telecomunicações de Macau (“eSignTrust”) a emissão do certificado "
            "electrónico indicado.",
            "en": "I hereby apply to Macao Post and Telecommunications eSignTrust "
            "Certification Services (“eSignTrust”), in the name of the applicant on the "
            "above identity document, for the issue of the electronic certificate indicated.",
        },
        "鑒於 eSignTrust 處理本人之申請，本人知悉及明確同意將上述申請之證書及私人密碼委託"
        "澳門郵電電子認證服務負責使用安全設備儲存及保管。同時，承認已明白並同意接受及遵守 "
        "電子認證“雲簽”服務（簽署服務）以及 電子證書登記人協議（包括認證作業準則）"
        "的使用規則及條款。": {
            "pt": "Tendo em vista o tratamento do meu pedido pela eSignTrust, tomo conhecimento "
            "e concordo expressamente que o certificado acima requerido e a respectiva chave "
            "privada sejam confiados aos Serviços de Certificação Electrónica dos Correios e "
            "Telecomunicações de Macau, responsáveis pelo seu armazenamento e guarda em "
            "dispositivo seguro. Declaro ainda que compreendi e que aceito e cumpro as regras "
            "e os termos de utilização do serviço “assinatura na nuvem” de certificação "
            "electrónica (serviço de assinatura) e do Acordo do Titular de Certificado "
            "Electrónico (incluindo a Declaração de Práticas de Certificação).",
            "en": "In consideration of eSignTrust processing my application, I acknowledge and "
            "expressly agree that the certificate applied for above and its private key be "
            "entrusted to Macao Post and Telecommunications eSignTrust Certification "
            "Services, which stores and keeps them in a secure device. I also acknowledge "
            "that I have understood, and agree to accept and comply with, the rules and "
            "terms of use of the electronic certification “Cloud Sign” service (signing "
            "service) and of the Electronic Certificate Subscriber Agreement (including the "
            "Certification Practice Statement).",
        },
        "本人知悉證書一經發出後，其內容在證書有效期內不能更改；否則，任何改動須撤銷原有的電子證書，"
        "再重新申請新的電子證書。本人同意所示之證書續期資料，將會顯示於電子證書上並發佈於"
        "澳門郵電電子認證服務的資料庫中，資料庫的資料將會被公眾取得及於澳門特別行政區以外使用。": {
            "pt": "Tomo conhecimento de que, uma vez emitido o certificado, o seu conteúdo não "
            "pode ser alterado durante o prazo de validade; caso contrário, qualquer alteração "
            "obriga à revogação do certificado electrónico original e a um novo pedido de "
            "certificado electrónico. Concordo que os dados de renovação do certificado "
            "apresentados constem do certificado electrónico e sejam publicados na base de "
            "dados dos Serviços de Certificação Electrónica dos Correios e Telecomunicações "
            "de Macau, e que os dados dessa base de dados sejam acessíveis ao público e "
            "utilizados fora da Região Administrativa Especial de Macau.",
            "en": "I acknowledge that once the certificate has been issued, its content cannot "
            "be changed during its period of validity; otherwise, any change requires the "
            "original electronic certificate to be revoked and a new electronic certificate "
            "to be applied for. I agree that the certificate renewal data shown will appear "
            "on the electronic certificate and be published in the database of Macao Post "
            "and Telecommunications eSignTrust Certification Services, and that the data in "
            "the database will be available to the public and used outside the Macao Special "
            "Administrative Region.",
        },
        "本人在此授權電子認證服務，使用證書續期資料欄所示之個人資料，通告電子認證“雲簽”之"
        "應用服務供應方，以用於所申請之有關服務，但不妨礙隨時提出相反意願之權利。": {
            "pt": "Autorizo, pelo presente, o serviço de certificação electrónica a utilizar os "
            "dados pessoais que constam dos dados de renovação do certificado para os "
            "comunicar aos prestadores de serviços de aplicação do serviço “assinatura na "
            "nuvem” de certificação electrónica, para utilização nos serviços requeridos, sem "
            "prejuízo do direito de manifestar, a qualquer momento, vontade em contrário.",
            "en": "I hereby authorise the certification service to use the personal data shown "
            "in the certificate renewal data to notify the application service providers of "
            "the electronic certification “Cloud Sign” service, for use in the services "
            "applied for, without prejudice to the right to object at any time.",
        },
        "本人知悉有關存取及使用由應用服務供應方提供所申請之服務，需受相關規則及條款規範。": {
            "pt": "Tomo conhecimento de que o acesso aos serviços requeridos, prestados pelos "
            "prestadores de serviços de aplicação, e a sua utilização estão sujeitos às "
            "respectivas regras e termos.",
            "en": "I acknowledge that access to and use of the services applied for, provided "
            "by the application service providers, are governed by the relevant rules and "
            "terms.",
        },
    }
)

BINDING_NOTE = Text(
    "",
    "O texto em chinês é o texto vinculativo; a tradução portuguesa serve apenas de "
    "referência.",
    "The Chinese text is the binding text; the English translation is for reference only.",
)


def translations(points: Sequence[str]) -> dict[str, list[str | None]]:
    """For each of pt and en: the translation of each point, None where there is none."""
    return {
        lang: [TRANSLATIONS.get(p, {}).get(lang) for p in points] for lang in ("pt", "en")
    }


def binding_notes() -> dict[str, str]:
    return {"pt": BINDING_NOTE.pt, "en": BINDING_NOTE.en}
