<?xml version="1.0" encoding="UTF-8"?>
<!-- feedpub: shows an RSS 2.0 or Atom 1.0 feed as a page to people who open it in a browser.
     Attached with <?xml-stylesheet?> to feeds that set `stylesheet: true`. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    exclude-result-prefixes="atom">
  <xsl:output method="html" encoding="UTF-8" indent="yes"
      doctype-system="about:legacy-compat"/>

  <xsl:variable name="title" select="/rss/channel/title | /atom:feed/atom:title"/>
  <xsl:variable name="description" select="/rss/channel/description | /atom:feed/atom:subtitle"/>
  <xsl:variable name="site"
      select="/rss/channel/link | /atom:feed/atom:link[@rel='alternate']/@href"/>
  <xsl:variable name="self"
      select="/rss/channel/atom:link[@rel='self']/@href | /atom:feed/atom:link[@rel='self']/@href"/>
  <xsl:variable name="language" select="/rss/channel/language | /atom:feed/@xml:lang"/>

  <xsl:template match="/">
    <html lang="{$language}">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="$title"/> (web feed)</title>
        <style>
          body { font: 1rem/1.5 system-ui, sans-serif; max-width: 42rem; margin: 0 auto; padding: 1rem; }
          .about { background: #f3f1ea; padding: .75rem 1rem; border-radius: .4rem; }
          .about code { overflow-wrap: anywhere; }
          li { margin: .6rem 0; }
          time { color: #555; font-size: .9rem; display: block; }
        </style>
      </head>
      <body>
        <p class="about">
          This is a <strong>web feed</strong>. Copy its address into your feed reader to follow
          new briefings: <code class="feed-url"><xsl:value-of select="$self"/></code>
        </p>
        <h1><xsl:value-of select="$title"/></h1>
        <p class="description"><xsl:value-of select="$description"/></p>
        <p><a class="site" href="{$site}">Visit the website</a></p>
        <h2>Entries</h2>
        <ul class="entries">
          <xsl:apply-templates select="/rss/channel/item | /atom:feed/atom:entry"/>
        </ul>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="item">
    <li>
      <a href="{link}"><xsl:value-of select="title"/></a>
      <time><xsl:value-of select="pubDate"/></time>
    </li>
  </xsl:template>

  <xsl:template match="atom:entry">
    <li>
      <a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a>
      <time datetime="{atom:published}"><xsl:value-of select="substring(atom:published, 1, 10)"/></time>
    </li>
  </xsl:template>
</xsl:stylesheet>
